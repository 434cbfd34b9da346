package dev.dmjail.launcher.spec;

/**
 * One host file made visible in the private root at {@code at} (read-only, nosuid, nodev, noexec).
 *
 * @param hostPath canonical host path, opened with no symlink on the way (a tenant may own a
 *                 directory on it)
 * @param identity "dev:ino" the plan checked; the opened file must be that one
 */
public record RootFile(String at, String hostPath, String identity) {}
