#!/bin/sh
# /init of the CloudBox test initramfs: mount the pseudo file systems, load the virtio drivers of the stock
# Debian cloud kernel, run the test named by cloudbox.test= on the kernel command line, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "CLOUDBOX-INIT $(cut -d' ' -f1 /proc/uptime)"

for module in $(cat /lib/modules/load-order); do
    insmod "/lib/modules/$module.ko" || echo "CLOUDBOX-INSMOD-FAILED $module"
done

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }

run_test() {
case "$1" in
blk)
    # The host put a line at offset 0 of /dev/vda; echo it, then write ours at 4 KiB and flush.
    wait_for /dev/vda || echo "CLOUDBOX-BLK-MISSING"
    echo "CLOUDBOX-BLK-SERIAL $(cat /sys/block/vda/serial 2>/dev/null)"
    echo "CLOUDBOX-BLK-READ $(head -c 64 /dev/vda | head -n 1)"
    printf 'GUEST-WROTE-THIS\n' | dd of=/dev/vda bs=4096 seek=1 conv=sync,fsync 2>/dev/null && echo "CLOUDBOX-BLK-WRITTEN"
    if [ -e /dev/vdb ]; then
        if printf 'X' | dd of=/dev/vdb bs=512 conv=sync,fsync 2>/dev/null; then echo "CLOUDBOX-RO-WRITABLE"; else echo "CLOUDBOX-RO-REFUSED"; fi
    fi
    ;;
rng)
    wait_for /dev/hwrng
    echo "CLOUDBOX-RNG-CURRENT $(cat /sys/class/misc/hw_random/rng_current)"
    echo "CLOUDBOX-RNG-BYTES $(dd if=/dev/hwrng bs=32 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')"
    ;;
net)
    # Address from cloudbox.ip=; the host pings it, then connects to port 7 to say it is done.
    wait_for /sys/class/net/eth0 || echo "CLOUDBOX-NET-MISSING"
    ip link set lo up
    ip addr add "$(arg cloudbox.ip)" dev eth0
    ip link set eth0 up
    echo "CLOUDBOX-NET-MAC $(cat /sys/class/net/eth0/address)"
    echo "CLOUDBOX-NET-READY"
    timeout 120 nc -l -p 7 && echo "CLOUDBOX-NET-DONE"
    ;;
dd)
    # Disk throughput for the benchmark: read 64 MiB of /dev/vda with direct I/O.
    wait_for /dev/vda
    start=$(cut -d' ' -f1 /proc/uptime)
    dd if=/dev/vda of=/dev/null bs=1M count=64 iflag=direct 2>&1 | tail -n 1
    echo "CLOUDBOX-DD $start $(cut -d' ' -f1 /proc/uptime)"
    ;;
shell)
    setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'
    ;;
wait)
    # Stay up until the ACPI power button is pressed (the host's "shutdown" action), like acpid would.
    echo "CLOUDBOX-WAITING"
    if wait_for /dev/input/event0; then
        head -c 24 /dev/input/event0 >/dev/null && echo "CLOUDBOX-POWER-BUTTON"
    else
        echo "CLOUDBOX-NO-POWER-BUTTON"
    fi
    ;;
esac
}

# cloudbox.test=blk,rng runs several tests in one boot (a boot is the expensive part on a nested host).
for test in $(arg cloudbox.test | tr ',' ' '); do
    run_test "$test"
done
echo "CLOUDBOX-DONE $(cut -d' ' -f1 /proc/uptime)"
case "$(arg cloudbox.end)" in
reboot) reboot -f ;;
*) poweroff -f ;;
esac
