#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>

static void cat(const char *path) {
    char buf[4096];
    int fd = open(path, O_RDONLY);
    printf("=== %s\n", path);
    if (fd < 0) { printf("(cannot open)\n"); return; }
    ssize_t n;
    fflush(stdout);
    while ((n = read(fd, buf, sizeof buf)) > 0) write(1, buf, n);
    close(fd);
}

static void put(const char *path, const char *value) {
    int fd = open(path, O_WRONLY);
    printf("=== write %s = %s\n", path, value);
    fflush(stdout);
    if (fd < 0) { printf("(cannot open)\n"); return; }
    if (write(fd, value, strlen(value)) < 0) printf("(write failed)\n");
    close(fd);
}

int main(void) {
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    cat("/proc/cmdline");
    cat("/proc/meminfo");
    cat("/proc/zoneinfo");
    cat("/proc/buddyinfo");
    cat("/proc/pagetypeinfo");
    cat("/proc/sys/vm/min_free_kbytes");
    cat("/proc/sys/vm/watermark_scale_factor");
    cat("/proc/sys/vm/lowmem_reserve_ratio");
    cat("/proc/sys/vm/percpu_pagelist_high_fraction");
    cat("/sys/kernel/mm/transparent_hugepage/enabled");
    cat("/proc/iomem");
    put("/proc/sys/vm/min_free_kbytes", "8192");
    cat("/proc/zoneinfo");
    put("/proc/sys/vm/watermark_scale_factor", "200");
    put("/proc/sys/vm/lowmem_reserve_ratio", "128 64 0");
    put("/proc/sys/vm/percpu_pagelist_high_fraction", "8");
    cat("/proc/zoneinfo");
    printf("=== done\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
