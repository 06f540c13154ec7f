/**
 * GFP allocation flags of Linux 6.1 ({@code include/linux/gfp_types.h}, {@code include/linux/gfp.h}):
 * the bit values ({@link dev.kmm.core.gfp.Gfp}), {@code gfp_zone()} for a zone configuration
 * ({@link dev.kmm.core.gfp.GfpZones}), the printed names of {@code %pGg} and {@code show_gfp_flags()}
 * with their parser ({@link dev.kmm.core.gfp.GfpFlagNames}), and {@code gfp_allowed_mask}
 * ({@link dev.kmm.core.gfp.GfpAllowedMask}).
 *
 * <p>Everything on an allocation path is a static method or final field over {@code int}s: no
 * allocation, no boxing.
 */
package dev.kmm.core.gfp;
