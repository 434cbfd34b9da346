/**
 * What a device model binary needs in its private root, resolved at plan time (the filesystem
 * layer's {@code layer/FilesystemRootContents}); the launcher only applies the root it is given. Moved here from
 * dm-launcher, whose process never called it.
 *
 * <p>{@code ElfDependencies.resolve(Path)} parses the ELF64 headers itself (PT_INTERP, DT_NEEDED, DT_SONAME,
 * DT_RPATH, DT_RUNPATH, {@code $ORIGIN}/{@code $LIB}/{@code $PLATFORM}) and searches like ld.so: RPATH chain (only
 * without RUNPATH), RUNPATH, {@code /etc/ld.so.cache} ({@code LdSoCache}, format {@code glibc-ld.so.cache1.1}), system
 * dirs; breadth first, by name/soname once, ELF class+machine checked. {@code Result.files()} are canonical
 * paths to bind, {@code Result.symlinks()} every symlink met on the way (merged-/usr: {@code /lib64 → usr/lib64},
 * {@code /usr/lib64/ld-linux-x86-64.so.2 → /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2}, {@code /lib → usr/lib},
 * {@code /bin → usr/bin}), each with a canonical parent, exactly what the launch spec's {@code FilesystemSection} wants. Static binary: just
 * itself. `resolveAll(binary, dlopened)` adds objects loaded with dlopen, which no header names:
 * Debian's QEMU 7.2 cannot start TCG without {@code /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so}
 * ("could not load module for type 'tcg-accel-ops'"); UI/audio/display modules are the same. Not
 * modelled: LD_LIBRARY_PATH/LD_PRELOAD (the env is fixed), glibc-hwcaps subdirectories (none on
 * Debian 12), DF_1_NODEFLIB. Tested equal to {@code ldd} for qemu-system-x86_64 (with and without the TCG
 * module) and /bin/true, and the cache reader equal to {@code ldconfig -p}.
 */
package dev.dmjail.toolstack.elf;
