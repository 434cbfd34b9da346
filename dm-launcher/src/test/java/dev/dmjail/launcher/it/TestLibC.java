package dev.dmjail.launcher.it;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/** System calls only the tests need (reaping, killing, becoming a subreaper). */
public interface TestLibC {
    int waitpid(int pid, int[] status, int options);
    int kill(int pid, int sig);
    int prctl(int option, long a2, long a3, long a4, long a5);
    int getpid();

    int WNOHANG = 1;
    int SIGKILL = 9;
    int PR_SET_CHILD_SUBREAPER = 36;

    TestLibC C = LibraryLoader.create(TestLibC.class).option(LibraryOption.SaveError, true).load("c");
}
