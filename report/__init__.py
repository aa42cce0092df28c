"""Publishing toolchain for «Économie sociale 2.0 : Cap vers le numérique».

The pipeline's stages are modules of this package; ``report.build.build`` runs them in order.
"""

# The report's languages, in the order the bilingual edition prints them: the one definition that
# every stage reads (here, so that importing it costs nothing: the command line's no-op build
# must not import Babel).
LANGUAGES: tuple[str, ...] = ("fr", "en")

# Before anything loads the PDF engine: fontconfig sees the project's fonts only, never the
# machine's or the user's (see report/fontconfig.py), in this process and in those it spawns.
from .fontconfig import isolate as _isolate_fonts  # noqa: E402

_isolate_fonts()
