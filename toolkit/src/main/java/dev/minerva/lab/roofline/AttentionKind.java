package dev.minerva.lab.roofline;

/**
 * How attention moves data. {@code FLASH}: scores stay on chip, each sequence's K/V read once per
 * step. {@code NAIVE}: the score matrix (f32) is written, read by softmax, written again and read by
 * the value product (four passes through memory), and K/V are read once per query head, as a
 * per-head loop like llama2.c's does.
 */
public enum AttentionKind { FLASH, NAIVE }
