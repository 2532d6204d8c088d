"""Identifiers of generated code from IR node names (Keras layer names: any text).

Shared by the backends as the IR is: a name is mangled to letters, digits and '_', and
each backend's Identifiers keeps the mangled names of distinct nodes distinct and clear of
its language's keywords."""
from __future__ import annotations

CPP_KEYWORDS = frozenset("""alignas alignof and asm auto bool break case catch char class const
constexpr continue default delete do double else enum explicit export extern false float for
friend goto if inline int long mutable namespace new noexcept not nullptr operator or private
protected public register return short signed sizeof static struct switch template this throw
true try typedef typename union unsigned using virtual void volatile while xor""".split())
VERILOG_KEYWORDS = frozenset("""always and assign automatic begin buf case casex casez cell config
deassign default defparam design disable edge else end endcase endconfig endfunction endgenerate
endmodule endprimitive endspecify endtable endtask event for force forever fork function generate
genvar highz0 highz1 if ifnone incdir include initial inout input instance integer join large
liblist library localparam macromodule medium module nand negedge nmos nor noshowcancelled not
notif0 notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown pullup
pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat rnmos rpmos rtran
rtranif0 rtranif1 scalared showcancelled signed small specify specparam strong0 strong1 supply0
supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire
vectored wait wand weak0 weak1 while wire wor xnor xor logic bit byte int""".split())


def ident(name: str) -> str:
    """Letters, digits and '_' only, starting with a letter."""
    s = "".join(ch if ch.isalnum() and ch.isascii() else "_" for ch in name)
    return s if s[:1].isalpha() else "l_" + s


class Identifiers:
    """One identifier per name, distinct for distinct names and never a keyword."""

    def __init__(self, keywords=frozenset(), reserved=()):
        self.keywords = keywords
        self.of: dict[str, str] = {}
        self.taken = set(reserved)

    def __call__(self, name: str) -> str:
        if name not in self.of:
            base = ident(name)
            base = "l_" + base if base in self.keywords else base
            cand, k = base, 1
            while cand in self.taken:
                k += 1
                cand = f"{base}_{k}"
            self.of[name] = cand
            self.taken.add(cand)
        return self.of[name]
