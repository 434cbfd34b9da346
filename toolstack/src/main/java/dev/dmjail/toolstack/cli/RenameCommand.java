package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainRename;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail rename NAME|DOMID NEW-NAME} (xl rename). */
@Command(name = "rename", mixinStandardHelpOptions = true,
        description = {"Give a domain, running or not, a new name no other domain has (xl rename). Its state, "
                + "cgroups and logs keep their paths (named by the domain's key, as xl keeps writing "
                + "qemu-dm-OLDNAME.log); the old name is free for a new domain at once.",
                "A name that starts with '-' follows '--': dmjail rename -- -old new."})
public final class RenameCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "NEW-NAME")
    String newName;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("rename");
        try {
            DomainRename.rename(main.toolstack().store(), domain, newName);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "rename: cannot write the domain state: " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
