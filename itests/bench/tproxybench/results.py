"""What the measurements recorded: values (round or slice, peer, metric, value) and checks, in order."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    index: int     # round (idle) or slice (bulk, short connections), from 1
    peer: str
    metric: str
    value: float


@dataclass(frozen=True)
class Check:
    index: int
    peer: str
    what: str
    ok: bool
    detail: str

    @property
    def unit(self):
        """The word for the index: bulk and short connections run in slices, idle connections in rounds."""
        return "slice" if self.what.startswith(("short connections", "bulk")) else "round"


class Results:
    def __init__(self, log):
        self.records = []
        self.checks = []
        self._log = log

    def record(self, index, peer, metric, value):
        self.records.append(Record(index, peer, metric, float(value)))

    def check(self, index, peer, what, ok, detail):
        c = Check(index, peer, what, bool(ok), detail)
        self.checks.append(c)
        if not c.ok:
            self._log(f"CHECK FAILED: {c.unit} {index} {peer} {what}: {detail}")

    @property
    def failed(self):
        return [c for c in self.checks if not c.ok]

    @property
    def passed(self):
        return [c for c in self.checks if c.ok]

    def write_tsv(self, directory):
        """results.tsv and checks.tsv, as the raw results kept with --keep."""
        with open(directory / "results.tsv", "w") as f:
            for r in self.records:
                f.write(f"{r.index}\t{r.peer}\t{r.metric}\t{r.value:g}\n")
        with open(directory / "checks.tsv", "w") as f:
            for c in self.checks:
                f.write(f"{c.index}\t{c.peer}\t{c.what}\t{'ok' if c.ok else 'FAILED'}\t{c.detail}\n")
