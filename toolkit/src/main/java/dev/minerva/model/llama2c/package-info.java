/** The llama2.c checkpoint format ({@code run.c} legacy .bin, float32, memory-mapped). */
package dev.minerva.model.llama2c;
