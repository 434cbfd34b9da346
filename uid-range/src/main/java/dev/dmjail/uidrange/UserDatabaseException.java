package dev.dmjail.uidrange;

/** The user database could not be read (I/O error, unparsable file, NSS failure). */
public class UserDatabaseException extends RuntimeException {
    public UserDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    public UserDatabaseException(String message) {
        super(message);
    }
}
