/**
 * The roofline study: per-op FLOPs and bytes of a Llama-family forward pass (prefill and decode) as
 * functions of batch, context, weight/KV/activation precision and attention kind
 * ({@link dev.minerva.lab.roofline.CostModel}); a hardware catalog with cited dense datasheet peaks plus
 * this machine measured ({@link dev.minerva.lab.roofline.HardwareCatalog}); per-op bounds, tokens/s
 * ceilings and the batch where decode turns compute-bound ({@link dev.minerva.lab.roofline.Roofline});
 * charts ({@link dev.minerva.lab.roofline.RooflineFigures}) and the recorded study run
 * ({@link dev.minerva.lab.roofline.RooflineStudy}). Measured per-op times can be overlaid as
 * {@link dev.minerva.lab.roofline.MeasuredPoint}s.
 */
package dev.minerva.lab.roofline;
