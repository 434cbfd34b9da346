package dev.dmjail.toolstack.plan;

/**
 * A restore: the device model starts with {@code -incoming fd:N}, N the save file the launcher opens
 * read-only (FdSpec kind INCOMING, checked to be {@code identity}), so every layer is in force before
 * QEMU reads a byte of the saved state. {@code paused}: {@code -S}, the guest stays stopped once loaded.
 */
public record Incoming(String path, String identity, boolean paused) {}
