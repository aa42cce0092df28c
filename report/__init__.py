"""Publishing toolchain for «Économie sociale 2.0 : Cap vers le numérique».

The pipeline's stages are modules of this package; ``report.build.build`` runs them in order.
"""

# The report's languages, in the order the bilingual edition prints them: the one definition that
# every stage reads (here, so that importing it costs nothing: the command line's no-op build
# must not import Babel).
LANGUAGES: tuple[str, ...] = ("fr", "en")
