/** The {@code minerva} command line (picocli): one sub-command class per verb, registered in {@link dev.minerva.cli.Main}. */
package dev.minerva.cli;
