#!/usr/bin/env bash
# Set up glue-nb for development on a fresh machine (idempotent, fast when nothing changed):
#   - the graphviz `dot` binary (and Chromium with --browser, for the browser test) via apt-get;
#   - a virtual environment in .venv with glue-nb (editable) and its [dev] extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi
if [ ${#packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${packages[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "setup: please install ${packages[*]} (e.g. 'brew install graphviz' or 'conda install graphviz')" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.glue-nb-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing glue-nb and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi

# An editable install does not copy data files, so point the venv at the repository's copies: the
# Jupyter Server extension's enabling config and the prebuilt JupyterLab extension (the Workflows
# panel). A wheel (`pip install .`) carries both itself.
mkdir -p .venv/etc/jupyter/jupyter_server_config.d .venv/share/jupyter/labextensions
ln -sfn "$PWD/jupyter-config/jupyter_server_config.d/glue_nb.json" \
  .venv/etc/jupyter/jupyter_server_config.d/glue_nb.json
ln -sfn "$PWD/glue_nb/jupyter/labextension" .venv/share/jupyter/labextensions/glue-nb-jupyterlab
