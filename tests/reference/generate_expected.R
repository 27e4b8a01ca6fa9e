# Generate the expected SPC results from the reference implementations.
#
# Reads tests/reference/scenarios.json and scenarios/*.csv (written by
# make_scenarios.py) and writes expected/*.csv with every number at full
# precision (17 significant digits). Run from the project root:
#
#   R_LIBS=<library with NHSRplotthedots 0.2.2, qicharts2 0.8.1, dplyr >= 1.1> \
#     Rscript tests/reference/generate_expected.R
#
# How the reference packages were installed is in tests/reference/README.md.
# This script is not run in CI; its outputs are committed.

suppressPackageStartupMessages({
  library(NHSRplotthedots)
  library(qicharts2) # attaching sets options(qic.screenedmr = TRUE), as users get
  library(jsonlite)
})

here <- "tests/reference"
manifest <- fromJSON(file.path(here, "scenarios.json"), simplifyVector = FALSE)
dir.create(file.path(here, "expected"), showWarnings = FALSE)

full <- function(df) {
  for (col in names(df)) {
    if (is.numeric(df[[col]])) {
      df[[col]] <- ifelse(is.na(df[[col]]), NA, sprintf("%.17g", df[[col]]))
    } else if (inherits(df[[col]], c("Date", "POSIXt"))) {
      df[[col]] <- format(as.Date(df[[col]]), "%Y-%m-%d")
    } else if (is.logical(df[[col]])) {
      df[[col]] <- ifelse(df[[col]], "TRUE", "FALSE")
    }
  }
  df
}

save <- function(df, id) {
  write.csv(full(as.data.frame(df)), file.path(here, "expected", paste0(id, ".csv")),
            row.names = FALSE, na = "")
}

as_dates <- function(x) as.Date(unlist(x))

for (s in manifest$scenarios) {
  d <- read.csv(file.path(here, "scenarios", paste0(s$id, ".csv")), stringsAsFactors = FALSE)
  d$date <- as.Date(d$date)
  o <- s$options
  if (s$kind == "xmr") {
    args <- list(.data = d, value_field = "value", date_field = "date")
    if (isTRUE(o$facet)) args$facet_field <- "facet"
    if (!is.null(o$rebase)) {
      args$rebase <- if (is.list(o$rebase) && !is.null(names(o$rebase))) {
        do.call(ptd_rebase, lapply(o$rebase, as_dates))
      } else {
        ptd_rebase(as_dates(o$rebase))
      }
    }
    if (!is.null(o$fix_after_n_points)) args$fix_after_n_points <- o$fix_after_n_points
    if (!is.null(o$improvement_direction)) args$improvement_direction <- o$improvement_direction
    if (!is.null(o$target)) {
      args$target <- if (is.list(o$target)) do.call(ptd_target, o$target) else ptd_target(o$target)
    }
    if (!is.null(o$screen_outliers)) args$screen_outliers <- o$screen_outliers
    r <- suppressWarnings(do.call(ptd_spc, args))
    out <- as.data.frame(r)[, c("f", "x", "y", "rebase_group", "short_group_warning",
                               "mean_col", "lpl", "upl", "outside_limits", "relative_to_mean",
                               "close_to_limits", "special_cause_type", "point_type", "target")]
    assurance <- as.data.frame(NHSRplotthedots:::ptd_calculate_assurance_type(r))
    out <- merge(out, assurance, by = "f", sort = FALSE)
    out <- out[order(out$f, out$x), ]
    save(out, s$id)
  } else if (s$kind == "run") {
    facets <- if (isTRUE(o$facet)) ~facet else NULL
    r <- qic(date, value, data = d, chart = "run", facets = facets, return.data = TRUE)
    out <- r[, c("facet1", "x", "y", "cl", "n.useful", "longest.run", "longest.run.max",
                 "n.crossings", "n.crossings.min", "runs.signal")]
    save(out, s$id)
  } else if (s$kind == "p") {
    args <- list(x = quote(date), y = quote(numerator), n = quote(denominator), data = d,
                 chart = "p", return.data = TRUE)
    if (!is.null(o$freeze)) args$freeze <- o$freeze
    if (!is.null(o$part)) args$part <- unlist(o$part)
    r <- do.call(qic, args)
    out <- r[, c("x", "y", "n", "part", "baseline", "cl", "lcl", "ucl", "lcl.95", "ucl.95",
                 "sigma.signal", "runs.signal")]
    save(out, s$id)
  }
  cat("wrote", s$id, "\n")
}

n <- seq(manifest$run_limits$from, manifest$run_limits$to)
save(data.frame(n = n, longest_run_max = round(log2(n)) + 3,
                n_crossings_min = qbinom(0.05, n - 1, 0.5)), "run_limits")
cat("wrote run_limits\n")
cat("NHSRplotthedots", as.character(packageVersion("NHSRplotthedots")),
    "qicharts2", as.character(packageVersion("qicharts2")),
    "dplyr", as.character(packageVersion("dplyr")), "R", R.version.string, "\n",
    file = file.path(here, "expected", "VERSIONS.txt"))
