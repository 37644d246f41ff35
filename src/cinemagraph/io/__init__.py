"""Reading and writing: images, masks, motion fields and videos, always atomically."""
