/**
 * The kernel's memory views, byte-compatible with Linux 6.1's text: {@code /proc/zoneinfo},
 * {@code /proc/buddyinfo}, {@code /proc/pagetypeinfo} (mm/vmstat.c), {@code /proc/meminfo}
 * (fs/proc/meminfo.c), {@code /proc/vmstat} (mm/vmstat.c), {@code /proc/iomem} (kernel/resource.c), debugfs
 * {@code memblock/memory} and {@code memblock/reserved} (mm/memblock.c) and debugfs
 * {@code extfrag/unusable_index} and {@code extfrag/extfrag_index} (mm/vmstat.c), all reachable by path through
 * {@link dev.kmm.core.proc.ProcFs}.
 *
 * <p>Each view is a {@code Proc*} class with {@code read(MmState)} giving typed records
 * ({@link dev.kmm.core.proc.ZoneInfo}, {@link dev.kmm.core.proc.BuddyInfo},
 * {@link dev.kmm.core.proc.PageTypeInfo}, {@link dev.kmm.core.proc.MemInfo},
 * {@link dev.kmm.core.proc.VmStat}, {@link dev.kmm.core.proc.Resource}, {@link dev.kmm.core.proc.ExtfragInfo}),
 * {@code render(records)} giving the text from those records only, and {@code show(MmState)} doing both, so the
 * two always agree.
 *
 * <p>A booted kernel implements {@link dev.kmm.core.proc.MmState}: the views read {@code pglist_data},
 * {@code struct zone}, {@code per_cpu_pages}, {@code per_cpu_zonestat} and the free lists from simulated RAM
 * with the 6.1 layouts, and ask the state only for what lives elsewhere (online nodes and CPUs,
 * {@code __per_cpu_offset[]}, {@code vm_event_states}, page to zone and pageblock lookups, the resource tree,
 * and counters of features not simulated yet). Which counters and lines exist comes from the build's
 * {@link dev.kmm.core.proc.ProcConfig}. The views only read: they fold nothing and take no lock, so they
 * give exact values of a quiescent kernel and approximate ones, as the kernel's do, of a running one.
 */
package dev.kmm.core.proc;
