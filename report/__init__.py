"""Publishing toolchain for «Économie sociale 2.0 : Cap vers le numérique».

The pipeline's stages are modules of this package; ``report.build.build`` runs them in order.
"""
