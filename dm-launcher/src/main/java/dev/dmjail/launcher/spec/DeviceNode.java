package dev.dmjail.launcher.spec;

/** A character device node of the private root: /dev/{name}, major:minor, mode (e.g. 0666). */
public record DeviceNode(String name, int major, int minor, int mode) {}
