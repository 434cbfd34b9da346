package dev.dmjail.toolstack.text;

/**
 * What a guest's serial output may do to an admin's terminal. A serial console needs plain text,
 * CR/LF/TAB/BS/BEL, colours and simple cursor movement (a login prompt, a pager, a progress bar);
 * nothing else of what a device model could send is passed:
 * <ul>
 * <li>kept: printable text (UTF-8 as decoded), {@code \r \n \t \b \a}; CSI sequences {@code ESC [
 *     params final} whose final byte is one of {@code m} (SGR colours), {@code A B C D E F G H f}
 *     (cursor moves), {@code J K} (erase in display / line), with plain numeric parameters only;</li>
 * <li>dropped: OSC ({@code ESC ]}: clipboard write OSC 52, title set, hyperlinks), DCS/SOS/PM/APC
 *     strings, CSI with private parameters ({@code ?}: alternate screen 1049, mouse reporting,
 *     bracketed paste) or any other final byte ({@code t}: title report and window ops,
 *     {@code n}: device status report, {@code c}: device attributes — the ones that make the
 *     terminal type an answer into the admin's shell), every other ESC sequence (charset switches,
 *     RIS reset), every other C0/C1 control, and Unicode format characters (bidi overrides).</li>
 * </ul>
 * Stateful across chunks: a sequence split over two reads is judged whole.
 */
public final class ConsoleFilter {
    private enum State { TEXT, ESC, CSI, STRING, STRING_ESC }

    private State state = State.TEXT;
    private final StringBuilder csi = new StringBuilder();

    /** Filters one chunk of decoded console text. */
    public String filter(CharSequence in) {
        StringBuilder out = new StringBuilder(in.length());
        for (int i = 0; i < in.length(); i++) {
            char c = in.charAt(i);
            switch (state) {
                case TEXT -> text(c, out);
                case ESC -> {
                    if (c == '[') {
                        state = State.CSI;
                        csi.setLength(0);
                    } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
                        state = State.STRING; // OSC, DCS, SOS, PM, APC: dropped up to ST or BEL
                    } else if (c >= 0x20 && c <= 0x2f) {
                        state = State.ESC; // intermediate bytes (charset designation): keep eating
                    } else {
                        state = State.TEXT; // any other two-byte sequence: dropped
                    }
                }
                case CSI -> {
                    if (c >= 0x40 && c <= 0x7e) {
                        String params = csi.toString();
                        if ("mABCDEFGHfJK".indexOf(c) >= 0 && params.matches("[0-9;]{0,32}")) {
                            out.append('\u001b').append('[').append(params).append(c);
                        }
                        state = State.TEXT;
                    } else if (c >= 0x20 && c <= 0x3f && csi.length() < 64) {
                        csi.append(c);
                    } else {
                        state = State.TEXT; // malformed or overlong: dropped
                    }
                }
                case STRING -> {
                    if (c == 0x07 || c == 0x9c) state = State.TEXT;
                    else if (c == 0x1b) state = State.STRING_ESC;
                }
                case STRING_ESC -> state = c == '\\' ? State.TEXT : State.STRING;
            }
        }
        return out.toString();
    }

    private void text(char c, StringBuilder out) {
        if (c == 0x1b) {
            state = State.ESC;
        } else if (c == 0x9b) {
            state = State.CSI; // C1 CSI: judged like ESC [, re-emitted as ESC [ if allowed
            csi.setLength(0);
        } else if (c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f) {
            state = State.STRING;
        } else if (c == '\r' || c == '\n' || c == '\t' || c == '\b' || c == 0x07) {
            out.append(c);
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
            // other controls: dropped
        } else if (Character.getType(c) == Character.FORMAT) {
            // bidi overrides and other format characters: dropped
        } else {
            out.append(c);
        }
    }
}
