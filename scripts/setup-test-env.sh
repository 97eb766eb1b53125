#!/usr/bin/env bash
# Installs the Debian packages the test suite reads, when one is missing (run by `npm run test:all` and .ci/run):
# PyTorch 1.13 and torchvision (the references of the parity tests), ONNX and its conformance data, Fashion-MNIST, and
# Chromium for the browser tests. Does nothing when everything is present; needs root (or sudo) otherwise.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need_apt=0
/usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null || need_apt=1
[ -d /usr/share/libonnx-testdata/data ] || need_apt=1
[ -d /usr/share/datasets/fashion-mnist ] || need_apt=1
command -v chromium >/dev/null || need_apt=1
[ "$need_apt" = 0 ] && exit 0

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "setup-test-env: installing Debian packages for the tests (python3-torch python3-torchvision python3-onnx libonnx-testdata dataset-fashion-mnist chromium)"
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends python3-torch python3-torchvision python3-onnx libonnx-testdata dataset-fashion-mnist chromium >/dev/null
