"""The names of the perceptual losses (``--perceptual``), importable without torch so that
the command line can list them before it loads anything heavy."""

PERCEPTUAL_CHOICES = ("none", "vgg16")
