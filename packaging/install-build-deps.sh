#!/bin/sh
# Installs what NormLab needs to build and test on Debian 12. Run as root (or it uses sudo).
# Every package is listed with the reason for it in README.md ("Dependencies").
set -eu
packages="cmake ninja-build g++ ccache pkg-config
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  libtorch-dev libgloo-dev libopenblas0-openmp libopencv-dev
  nlohmann-json3-dev libcli11-dev libarchive-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev
  libcairo2-dev
  clang libclang-rt-14-dev
  libprotobuf-dev protobuf-compiler
  dpkg-dev file desktop-file-utils appstream man-db
  python3-torch python3-torchvision
  slurm-wlm munge"
# Skip apt entirely when everything is already there (CI reruns, developer machines).
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq
$as_root apt-get install -y -qq $missing
