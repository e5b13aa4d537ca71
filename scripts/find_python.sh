#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10; this project pins 3.10),
# or explain how to get one and exit 1.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for dir in "$(pyenv root)"/versions/3.10.*; do
    [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python")
  done
fi
for dir in "$HOME"/.pyenv/versions/3.10.* /usr/local/bin /usr/bin; do
  for exe in "$dir/bin/python" "$dir/python3.10"; do
    [ -x "$exe" ] && candidates+=("$exe")
  done
done
for exe in "${candidates[@]}"; do
  # a pyenv shim exists even when 3.10 is not installed: ask the interpreter itself
  if "$exe" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    echo "$exe"
    exit 0
  fi
done
cat >&2 <<'MSG'
Python 3.10 was not found. Rasa 3.6 runs on Python 3.8-3.10 and this project pins 3.10.
Install it, then run the command again:
  - with pyenv:   pyenv install 3.10.13
  - on Debian/Ubuntu: sudo apt-get install python3.10 python3.10-venv  (or the deadsnakes PPA)
  - on macOS:     brew install python@3.10
Or point to one explicitly:  make run PYTHON=/path/to/python3.10
MSG
exit 1
