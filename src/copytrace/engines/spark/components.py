"""Connected components of a graph held as a DataFrame of edges, without gathering it anywhere.

Large-star and small-star alternate until the edge set stops changing (Kiveris et al.,
"Connected Components in MapReduce and Beyond", SoCC 2014: O(log^2 n) rounds). Every round is a
few shuffles and its edge table is written to the work folder (short lineage); no step gathers a
component or the edge list on one machine, and no GraphFrames jar is needed. The engine uses it
for families (over family-joining pairs) and for stories (over every story-linking pair).
"""

from __future__ import annotations

from pyspark.sql import functions as F


def components(run, edges, name: str):
    """Connected components of the undirected graph ``edges`` (columns a, b), as (node, comp)
    rows where comp is the component's smallest node; nodes without edges are not listed.
    ``run``: the scan's `stages.Run` (it saves each round's table under ``name``)."""

    def star(df):
        return df.where(F.col("u") != F.col("v")).distinct()

    e = run.save(star(edges.select(F.col("a").alias("u"), F.col("b").alias("v"))), f"{name}_0")
    rounds = 0
    while True:
        rounds += 1
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.min("v").alias("m")).select(
            "u", F.least("u", "m").alias("m"))
        large = star(both.join(m, "u").where(F.col("v") > F.col("u"))
                     .select(F.col("v").alias("u"), F.col("m").alias("v")))
        m2 = large.groupBy("u").agg(F.min("v").alias("m"))
        small = large.join(m2, "u").select(F.explode(F.array(
            F.struct(F.col("v").alias("u"), F.col("m").alias("v")),
            F.struct(F.col("u").alias("u"), F.col("m").alias("v")))).alias("e")) \
            .select("e.u", "e.v")
        new = run.save(star(small), f"{name}_{rounds}")
        changed = new.join(e, ["u", "v"], "left_anti").limit(1).count() or \
            e.join(new, ["u", "v"], "left_anti").limit(1).count()
        e = new
        if not changed:
            break
    return e.select(F.col("u").alias("node"), F.col("v").alias("comp")).unionByName(
        e.select(F.col("v").alias("node"), F.col("v").alias("comp")).distinct())
