# SPDX-License-Identifier: Apache-2.0
"""peranda's benchmarks (docs/benchmarks.md): one module per part.

Run through scripts/bench.sh, which installs what they need and builds the
Release binaries first. Standard library only.
"""
