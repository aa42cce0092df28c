# Reference values for the report's design-based inference, computed by R's survey package.
#
# Run from the repository root:   Rscript tools/r-reference/reference.R
# Needs: R (Debian r-base-core) with the packages survey (r-cran-survey), yaml and jsonlite.
# Writes, beside this script:
#   reference.csv  one row per query: estimates, standard errors, design effects, logit intervals,
#                  tests of differences (group vs complement, group vs group, paired), and the
#                  standard error from a JK1 jackknife whose raking is redone on each replicate
#   weights.csv    the raked weight of every respondent
#   versions.txt   the versions of R and of the survey package that produced them
# tests/test_variance.py compares report/statistics.py with these values (tolerances stated there).
#
# The design, as report/statistics.py states it: 400 respondents treated as a simple random sample
# without replacement from N = 7,000 enterprises (svydesign(ids = ~1, fpc = ~N)), starting weights
# N/n, raked with rake() to the three margins of data/survey/margins.yaml. The report also trims
# the weights to [0.2, 5] x the mean weight; this script stops if any raked weight lies outside
# those bounds (the trimming would then have acted, and would need to be reproduced here too).
# Variances are Taylor linearisation with the raking residuals and the finite population correction
# (what svymean does on a raked design); intervals are svyciprop's logit intervals with the normal
# quantile (df = Inf); differences are the slope of svyglm(y ~ domain) (as svyttest) or svycontrast on a
# two-variable svymean, tested with the normal distribution.
# Where a domain's proportion is 0 or 1 (office suites among enterprises of 50 employees or more,
# investments of $100,000 or more in two regions), svyglm does not converge (R warns "glm.fit:
# algorithm did not converge") and the logit interval collapses to a point: the report uses
# Wilson's interval there, and tests/test_variance.py does not compare those intervals.

suppressPackageStartupMessages({
  library(survey)
  library(yaml)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tools/r-reference"
root <- normalizePath(file.path(here, "..", ".."))
survey_dir <- file.path(root, "data", "survey")

codebook <- yaml::read_yaml(file.path(survey_dir, "codebook.yaml"))
margins <- yaml::read_yaml(file.path(survey_dir, "margins.yaml"))
d <- read.csv(file.path(survey_dir, "responses.csv"), colClasses = "character",
              na.strings = "", encoding = "UTF-8")
# Every respondent answered every question of this file: the queries below use the whole sample as
# the base (the report's code handles missing answers and universes; this reference does not).
if (anyNA(d)) stop("responses.csv has missing answers: extend this script's bases before using it")

N <- as.numeric(margins$population$total)
n <- nrow(d)
d$fpc_N <- N
d$w0 <- N / n
Z <- qnorm(0.975)

# ------------------------------------------------------------------------------ design and raking
design0 <- svydesign(ids = ~1, fpc = ~fpc_N, weights = ~w0, data = d)
margin_vars <- names(margins$margins)
formulas <- lapply(margin_vars, function(v) as.formula(paste("~", v)))
populations <- lapply(margin_vars, function(v) {
  targets <- margins$margins[[v]]$targets
  out <- data.frame(names(targets), as.numeric(unlist(targets)), stringsAsFactors = FALSE)
  names(out) <- c(v, "Freq")
  out
})
raked <- rake(design0, formulas, populations, control = list(maxit = 1000, epsilon = 1e-12))
w <- weights(raked)
ratio <- w / mean(w)
if (min(ratio) < 0.2 || max(ratio) > 5) {
  stop("a raked weight lies outside [0.2, 5] x the mean: the report's trimming acts, ",
       "reproduce it here before using these values")
}
write.csv(data.frame(id = d$id, weight = sprintf("%.12g", w)),
          file.path(here, "weights.csv"), row.names = FALSE, quote = FALSE)

# JK1 jackknife, the raking redone on each of the n replicates (a check of the linearisation)
jk <- rake(as.svrepdesign(design0, type = "JK1", compress = FALSE), formulas, populations,
           control = list(maxit = 1000, epsilon = 1e-12))

# ------------------------------------------------------------------------------ queries
# (variable, level, column, indicator): every proportion the report can print
queries <- list()
add <- function(variable, level, column, members) {
  queries[[length(queries) + 1]] <<- list(variable = variable, level = level, column = column,
                                          members = members)
}
dimensions <- names(codebook$dimensions)
for (var in names(codebook$variables)) {
  entry <- codebook$variables[[var]]
  if (var %in% dimensions || entry$type == "numeric" || var == "sector") next
  codes <- names(entry$codes)
  if (entry$type == "binary") {
    add(var, "1", var, "1")
  } else if (entry$type == "multiple") {
    for (code in codes) add(var, code, paste0(var, "__", code), "1")
  } else {
    for (code in codes) add(var, code, var, code)
    for (net in names(entry$nets)) add(var, net, var, unlist(entry$nets[[net]]$codes))
  }
}

indicator <- function(q) ifelse(is.na(d[[q$column]]), NA, as.numeric(d[[q$column]] %in% q$members))

rows <- list()
emit <- function(...) rows[[length(rows) + 1]] <<- data.frame(..., stringsAsFactors = FALSE)
num <- function(x) sprintf("%.15g", as.numeric(x))

# svyciprop fits svyglm on a domain (the other rows keep a zero weight), and summary.glm warns
# that they do not enter the dispersion: the design-based variance does not use it.
quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
  if (grepl("zero weight not used for calculating dispersion", conditionMessage(w)))
    invokeRestart("muffleWarning")
})

estimate <- function(des, label) {
  m <- svymean(~y, des, deff = TRUE)
  ci <- tryCatch(quiet(as.numeric(attr(svyciprop(~y, des, method = "logit", df = Inf), "ci"))),
                 error = function(e) c(NA, NA))
  list(p = coef(m)[[1]], se = SE(m)[[1]], deff = deff(m)[[1]], low = ci[1], high = ci[2])
}

# Difference between two domains: the slope of svyglm(y ~ domain) (what svyttest fits) is the
# difference of their weighted proportions, and its sandwich variance is the linearised variance of
# that difference, raking residuals included. (svyby(..., covmat = TRUE) fails on raked designs in
# survey 4.1.1.) Second level minus first; the test uses the normal distribution.
contrast <- function(des, byvar) {
  g <- quiet(svyglm(update(byvar, y ~ .), des, family = gaussian()))
  est <- coef(g)[[2]]
  se <- SE(g)[[2]]
  list(diff = est, se = se, z = est / se, p = 2 * pnorm(-abs(est / se)))
}

for (q in queries) {
  raked <- update(raked, y = indicator(q))
  jk <- update(jk, y = indicator(q))
  base <- subset(raked, !is.na(y))
  whole <- estimate(base, "all")
  jkse <- SE(svymean(~y, subset(jk, !is.na(y))))[[1]]
  emit(kind = "estimate", variable = q$variable, level = q$level, by = "", group = "", other = "",
       n = sum(!is.na(d[[q$column]])), p = num(whole$p), se = num(whole$se),
       deff = num(whole$deff), ci_low = num(whole$low), ci_high = num(whole$high),
       diff = "", diff_se = "", z = "", p_value = "", jk_se = num(jkse))
  for (by in dimensions) {
    for (g in names(codebook$variables[[by]]$codes)) {
      raked <- update(raked, ingroup = factor(ifelse(is.na(d[[by]]), NA, d[[by]] == g),
                                              levels = c(FALSE, TRUE)))
      domain <- subset(raked, !is.na(y) & !is.na(ingroup) & ingroup == TRUE)
      n_g <- sum(!is.na(d[[q$column]]) & !is.na(d[[by]]) & d[[by]] == g)
      e <- estimate(domain, g)
      k <- contrast(raked, ~ingroup)
      emit(kind = "estimate", variable = q$variable, level = q$level, by = by, group = g,
           other = "rest", n = n_g, p = num(e$p), se = num(e$se), deff = num(e$deff),
           ci_low = num(e$low), ci_high = num(e$high), diff = num(k$diff), diff_se = num(k$se),
           z = num(k$z), p_value = num(k$p), jk_se = "")
    }
  }
}

# ------------------------------------------------------------------------------ differences
# paired: two variables on the same respondents
paired <- list(c("social_networks", "website_info"), c("has_skills", "lacks_funds"),
               c("website_info", "website_mobile"), c("office_suite", "accounting"),
               c("website_transactional", "web_analytics"))
for (pair in paired) {
  raked <- update(raked, a = as.numeric(d[[pair[1]]] == "1"), b = as.numeric(d[[pair[2]]] == "1"))
  m <- svymean(~a + b, raked)
  k <- svycontrast(m, c(1, -1))
  est <- coef(k)[[1]]
  se <- SE(k)[[1]]
  emit(kind = "paired", variable = pair[1], level = "1", by = "", group = "", other = pair[2],
       n = n, p = "", se = "", deff = "", ci_low = "", ci_high = "", diff = num(est),
       diff_se = num(se), z = num(est / se), p_value = num(2 * pnorm(-abs(est / se))), jk_se = "")
}
# two groups of one dimension (the others left out)
pairs <- list(c("erp", "legal_form", "coop", "npo"), c("social_networks", "size", "lt5", "50plus"),
              c("has_skills", "region", "montreal", "est"))
for (p4 in pairs) {
  raked <- update(raked, y = as.numeric(d[[p4[1]]] == "1"),
                  pair = factor(ifelse(d[[p4[2]]] %in% p4[3:4], d[[p4[2]]], NA), levels = p4[4:3]))
  k <- contrast(subset(raked, !is.na(pair)), ~pair)  # group minus the other group
  emit(kind = "groups", variable = p4[1], level = "1", by = p4[2], group = p4[3], other = p4[4],
       n = sum(d[[p4[2]]] %in% p4[3:4]), p = "", se = "", deff = "", ci_low = "", ci_high = "",
       diff = num(k$diff), diff_se = num(k$se), z = num(k$z), p_value = num(k$p), jk_se = "")
}

out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survey", packageVersion("survey")),
             paste("yaml", packageVersion("yaml"))), file.path(here, "versions.txt"))
cat("wrote", nrow(out), "rows to", file.path(here, "reference.csv"), "\n")
