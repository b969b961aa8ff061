"""voxelpipe from Python: the batches of a voxelpipe pipeline (Clara Train
3.x configs, Smart Cache, worker threads) as numpy arrays on shared memory,
bit-identical to the Node pipeline's. ``voxelpipe.torch`` has a
``torch.utils.data.IterableDataset`` over them.

See docs/python.md in the repository.
"""

from .errors import VoxelpipeError, VoxelpipeWarning
from .demo import demo_mmar
from .pipeline import Batch, Epoch, Pipeline

__version__ = "0.1.0"

__all__ = ["Pipeline", "Epoch", "Batch", "VoxelpipeError", "VoxelpipeWarning", "demo_mmar", "__version__"]
