"""Graph execution: the machinery behind TF 1.x `Session` and `tf.function`.

- `plan`: prune a graph to what the fetches need and lower it to a flat list of kernel calls
- `passes`: named plan optimisations (constant folding, common-subexpression elimination)
- `graph_ops`: placeholders, `NoOp`, resource-variable ops and the session's resource store
- `variables`: `tf.Variable` created while building a graph (values live in a Session)
- `session`: `tf.compat.v1.Session` / `InteractiveSession`
- `gradients`: symbolic `tf.gradients`
- `iterator_ops`: TF 1.x dataset iterators
- `serialize`: GraphDef text and JSON-safe graph descriptions
- `api`: the public functions (`tf.group`, `tf.compat.v1.placeholder`, ...)
"""
