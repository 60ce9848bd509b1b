/**
 * Recording results with provenance: {@link dev.minerva.record.Run} (git commit, JDK, OS, CPU, GPU,
 * backend, model hash, config, seed, times), {@link dev.minerva.record.RunRecorder} (Tablesaw tables
 * and XChart figures written through a temporary folder and an atomic rename, so an interrupted run
 * leaves nothing half-written), {@link dev.minerva.record.ResultStore} to read runs back,
 * {@link dev.minerva.record.Show} for notebook display, and figure reproduction from
 * {@code papers/<paper>/figures.json} ({@link dev.minerva.record.FiguresFile},
 * {@link dev.minerva.record.Reproducer}).
 */
package dev.minerva.record;
