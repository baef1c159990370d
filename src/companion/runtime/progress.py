"""Progress bars that the book's pipeline can switch off."""

import os
from collections.abc import Iterable
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress_bar(iterable: Iterable[T], *, desc: str, enabled: bool = True) -> tqdm:
    """A ``tqdm.auto`` bar, silent if ``enabled`` is false or ``TQDM_DISABLE`` is set.

    The pipeline sets ``TQDM_DISABLE=1`` so that stored notebook outputs carry
    no progress bars. tqdm's notebook bar ignores that variable (it turns an
    unset ``disable`` into ``False``), so it is read here.
    """
    off = not enabled or os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")
    return tqdm(iterable, desc=desc, disable=off)
