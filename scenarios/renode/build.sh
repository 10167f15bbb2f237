#!/bin/sh
# Builds sensor-fw.elf from sensor-fw.c with Debian's gcc-arm-none-eabi
# (apt-get install gcc-arm-none-eabi). The ELF is committed, so running a
# scenario needs no toolchain; rebuild after changing the C source.
# The build is reproducible: no debug info with paths, no build id.
set -eu
cd "$(dirname "$0")"
CC=${CC:-arm-none-eabi-gcc}
"$CC" -mcpu=cortex-m4 -mthumb -std=c11 -O2 \
  -ffreestanding -fno-builtin -fno-common -Wall -Wextra -Werror \
  -nostdlib -nostartfiles -T stm32f4.ld -Wl,--build-id=none -Wl,--gc-sections \
  -o sensor-fw.elf sensor-fw.c
echo "built $(pwd)/sensor-fw.elf"
