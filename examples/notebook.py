# %% [markdown]
# # Spun suspects in a table of articles
#
# A notebook-style walk through copytrace's Python API (`copytrace.api`): a pandas DataFrame
# of articles in, copy families and a table of machine-spun suspects out. Run it as a script
# (`python examples/notebook.py`) or open it as a notebook (Jupytext, VS Code and PyCharm read
# the `# %%` cells). The five articles are `examples/seeds/`: one news story as it appears on
# the web -- a rewrite, a near-verbatim copy, a spun copy, a translated rewrite and an
# independent op-ed.

# %%
from pathlib import Path

import pandas as pd

import copytrace

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path("examples")
articles = pd.DataFrame([{"id": p.stem, "text": p.read_text(encoding="utf-8")}
                         for p in sorted((HERE / "seeds").glob("*.txt"))])
print(articles.assign(chars=articles.text.str.len())[["id", "chars"]].to_string(index=False))

# %% [markdown]
# ## Scan: families, sources, relations, stories
# `copytrace.scan` takes the DataFrame as it is (`id_field=` / `text_field=` name other
# columns); `documents` and `pairs` come back as pyarrow Tables, one `.to_pandas()` away.

# %%
result = copytrace.scan(articles)
docs = result.documents.to_pandas()
print(result.summary())
print(docs[["id", "family", "relation", "source", "spun_score", "story"]].to_string(index=False))

# %%
families = {fam: members for fam, members in result.families.items()}
print(f"{len(families)} copy {'family' if len(families) == 1 else 'families'}:")
for fam, members in families.items():
    print(f"  {fam}: {', '.join(members)}")

# %% [markdown]
# ## Spun suspects
# A document is a suspect when it is a spun copy of another document here
# (`relation == "spun"`) or when its own wording reads as machine-spun even without its
# source (`spun_score >= 0.5`). `copytrace.suspicious_phrases` says why: the improbable
# phrases and the words they most likely replaced.

# %%
suspects = (docs[(docs.relation == "spun") | (docs.spun_score >= 0.5)]
            [["id", "family", "relation", "spun_score"]]
            .sort_values("spun_score", ascending=False))
suspects["phrases"] = [
    "; ".join(f"{p.phrase} ({p.original}?)"
              for p in copytrace.suspicious_phrases(articles.set_index("id").text[i])[:5])
    for i in suspects.id]
print(suspects.to_string(index=False))
