"""`keras.preprocessing.image`: the image file helpers of `keras.utils` under their old home."""

from tfedu.keras.utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
