import os
import sys

# ``python -m pinlint`` puts the current directory first on sys.path, and pinlint usually runs inside the
# tree it checks: a ``click.py`` or ``sqlglot.py`` there would be imported, that is executed, instead of
# the library. pinlint itself is already imported at this point; the directory is not needed.
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.abspath(os.curdir):
    del sys.path[0]

from pinlint.cli import main  # noqa: E402

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
