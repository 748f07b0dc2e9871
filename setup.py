"""Build step that pyproject.toml cannot express: copy the top-level data folders into the
package, so a wheel (or `pip install .`) carries its personas, prompts and rubrics."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("personas", "prompts", "rubrics")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders where they are
        for name in DATA_FOLDERS:
            shutil.copytree(
                Path(name),
                Path(self.build_lib) / "simulator" / "bundled" / name,
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildWithData})
