"""`tf.data.experimental`: the names TF 2 still keeps there."""



def cardinality(dataset):
    return dataset.cardinality()
