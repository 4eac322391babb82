# The suite on Playwright's own image: Ubuntu 24.04, Python 3.12, and Playwright's
# Chromium, headless shell and ffmpeg in /ms-playwright. The tag must match the
# playwright pin of pyproject.toml (1.65.2): the browsers are built for that version.
# (Not built on the development VM, which has no access to the image registry.)
#
#   docker build -t energy-suite .
#   docker run --rm --ipc=host -v "$PWD/reports:/work/main/reports" energy-suite
#   docker run --rm --ipc=host energy-suite python3 scripts/run.py suite -m sso --lf
#   docker run --rm --ipc=host energy-suite python3 scripts/run.py selftest
#
# The first runs the main job against the embedded sandbox and leaves its reports in
# ./reports; any pytest arguments go after `python3 scripts/run.py suite`.
FROM mcr.microsoft.com/playwright/python:v1.65.2-noble

# The image's Python has pip but not the venv module's ensurepip.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /work/main
COPY . .
# The virtualenv with the pinned dependencies; Playwright's browsers and ffmpeg are
# already in /ms-playwright (PLAYWRIGHT_BROWSERS_PATH), where suite/browser.py finds them.
RUN python3 scripts/run.py setup

CMD ["python3", "scripts/run.py", "suite", "-n", "2"]
