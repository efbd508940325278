#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# man.options.can_fail: a program whose --help has one option its man page lacks.
echo "Usage: fake [OPTIONS]"
echo "  --shared        in both"
echo "  --only-in-help  missing from the page"
