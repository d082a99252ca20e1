"""The keyword automaton as a table: an Aho-Corasick DFA over bytes that `_spans.find` runs in C.

`ahocorasick_rs` walks its DFA at about 300 MB/s on the full rule pack (1,700 keywords): each byte's
step waits for the previous one's table load, and the table is larger than the core's first-level
cache. `_spans.find` runs the same automaton over eight slices of a text at once (each slice started
`longest` bytes early, from the start state, so no occurrence across a cut is lost or counted
twice): eight independent chains of loads overlap, about five times the throughput (1.5-1.7 GB/s
on real source; four slices gave 0.9 GB/s).

Layout: bytes that occur in no keyword share class 0; each other byte has its own class. States are
numbered in breadth-first order (the states near the start, where a text spends most of its time,
lie together), with every state that ends a keyword after all the others, so that one comparison
per byte tells whether there is anything to report. A transition holds the next state's number times
`stride` (the number of classes): the next row's offset, with no multiplication per byte.

Matches come out as `ahocorasick_rs` gives them with `overlapping=True`: (keyword index, start,
end) for every occurrence, by end; at one end, the longest keyword first. `find_py` is the
definition in Python.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Dfa:
    classes: bytes  # 256 bytes: the class of each byte value
    stride: int  # number of classes: the width of a state's row
    trans: bytes  # native uint32 per (state, class): the next state's row offset (state * stride)
    first_match: int  # row offset of the first state that ends a keyword
    out_index: bytes  # native uint32 per match state, and one more: its first (keyword, length) pair
    pairs: bytes  # native uint32 (keyword, length) pairs, per match state longest first
    longest: int  # the longest keyword's length
    words: int  # number of keywords

    def args(self) -> tuple[bytes, int, bytes, int, bytes, bytes, int, int]:
        """The fields in the order `_spans.dfa` takes them."""
        return (self.classes, self.stride, self.trans, self.first_match, self.out_index, self.pairs,
                self.longest, self.words)


def build(words: Sequence[bytes]) -> Dfa:
    """The automaton of `words` (non-empty, distinct; matched byte for byte)."""
    if any(not w for w in words):
        raise ValueError("a keyword must not be empty")
    used = sorted({b for w in words for b in w})
    cls = [0] * 256
    for i, b in enumerate(used):
        cls[b] = i + 1
    stride = len(used) + 1
    goto: list[dict[int, int]] = [{}]
    out: list[list[tuple[int, int]]] = [[]]
    for wi, w in enumerate(words):
        s = 0
        for b in w:
            c = cls[b]
            nxt = goto[s].get(c)
            if nxt is None:
                nxt = goto[s][c] = len(goto)
                goto.append({})
                out.append([])
            s = nxt
        out[s].append((wi, len(w)))
    rows: list[list[int]] = [[]] * len(goto)
    root = [0] * stride
    for c, t in goto[0].items():
        root[c] = t
    rows[0] = root
    order = [0]
    fail = [0] * len(goto)
    queue = deque(goto[0].values())
    while queue:
        s = queue.popleft()
        order.append(s)
        row = list(rows[fail[s]])
        for c, t in goto[s].items():
            fail[t] = rows[fail[s]][c]  # (a child of the start state: the start state's own move)
            row[c] = t
            queue.append(t)
        rows[s] = row
        out[s] = out[s] + out[fail[s]]  # its own keyword (the longest) first, then the shorter ones it ends
    plain = [s for s in order if not out[s]]
    ending = [s for s in order if out[s]]
    number = {s: i for i, s in enumerate(plain + ending)}
    trans = array("I")
    for s in plain + ending:
        trans.extend(number[t] * stride for t in rows[s])
    index, pairs = array("I"), array("I")
    for s in ending:
        index.append(len(pairs) // 2)
        for wi, n in out[s]:
            pairs.extend((wi, n))
    index.append(len(pairs) // 2)
    return Dfa(bytes(cls), stride, trans.tobytes(), len(plain) * stride, index.tobytes(), pairs.tobytes(),
               max((len(w) for w in words), default=0), len(words))


def find_py(dfa: Dfa, data: bytes) -> list[tuple[int, int, int]]:
    """(keyword index, start, end) of every occurrence in `data`, as `_spans.find` gives them."""
    trans = array("I")
    trans.frombytes(dfa.trans)
    index, pairs = array("I"), array("I")
    index.frombytes(dfa.out_index)
    pairs.frombytes(dfa.pairs)
    cls, first = dfa.classes, dfa.first_match
    out: list[tuple[int, int, int]] = []
    s = 0
    for i, b in enumerate(data):
        s = trans[s + cls[b]]
        if s >= first:
            m = (s - first) // dfa.stride
            for p in range(index[m], index[m + 1]):
                out.append((pairs[2 * p], i + 1 - pairs[2 * p + 1], i + 1))
    return out
