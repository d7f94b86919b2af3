"""Where a trained model is written: a staging folder beside the target, renamed into place at the end,
so an interrupted run leaves no half-written model where an index build would look for one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scientia.common.errors import InvalidArgumentError

__all__ = ["ModelFolder", "tensorboard_callback"]


class ModelFolder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser().resolve()
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise InvalidArgumentError(f"{self.path}: already exists and is not empty (choose a new -o folder; nothing was overwritten)")
        self.staging = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    @property
    def checkpoints(self) -> Path:
        return self.staging / "checkpoints"

    def commit(self) -> None:
        """Drop the trainer's checkpoints (the best one is the saved model) and move the folder into place."""
        shutil.rmtree(self.checkpoints, ignore_errors=True)
        if self.path.is_dir():
            self.path.rmdir()  # empty, checked in __init__
        os.replace(self.staging, self.path)

    def abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> ModelFolder:
        return self

    def __exit__(self, error_type, *_) -> None:
        """Commit when the block finished; on any error or interrupt, leave nothing behind."""
        if error_type is None:
            self.commit()
        else:
            self.abandon()


def tensorboard_callback(folder: Path):
    """A trainer callback logging loss, learning rate and held-out scores for TensorBoard into ``folder``."""
    from torch.utils.tensorboard import SummaryWriter
    from transformers.integrations import TensorBoardCallback

    return TensorBoardCallback(tb_writer=SummaryWriter(log_dir=str(folder)))
