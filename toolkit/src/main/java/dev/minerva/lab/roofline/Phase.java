package dev.minerva.lab.roofline;

/** Prefill processes a whole prompt per sequence; decode one new token per sequence. */
public enum Phase { PREFILL, DECODE }
