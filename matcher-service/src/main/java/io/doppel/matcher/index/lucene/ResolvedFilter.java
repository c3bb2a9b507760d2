package io.doppel.matcher.index.lucene;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;

/**
 * A filter evaluated once against one searcher's reader, as a bit set per segment, minus a few
 * excluded documents: {@code searchLocal} checks hundreds of query descriptors' candidates against
 * the same scope, and every view of an upload searches its global vectors within it. Valid only
 * with the searcher it was built from.
 */
final class ResolvedFilter {

  private static final int[] NONE = new int[0];

  private final FixedBitSet[] perLeaf;
  private final int[][] excludedPerLeaf;

  private ResolvedFilter(FixedBitSet[] perLeaf, int[][] excludedPerLeaf) {
    this.perLeaf = perLeaf;
    this.excludedPerLeaf = excludedPerLeaf;
  }

  /**
   * The live documents of {@code leaf} (a leaf of the searcher this was resolved with) that the filter admits and that
   * are not excluded, by segment document number; null when the filter admits none.
   */
  Bits acceptedDocs(LeafReaderContext leaf) {
    FixedBitSet bits = leaf.ord < perLeaf.length ? perLeaf[leaf.ord] : null;
    if (bits == null) {
      return null;
    }
    Bits live = leaf.reader().getLiveDocs();
    int[] excluded = excludedPerLeaf[leaf.ord];
    if (live == null && excluded.length == 0) {
      return bits;
    }
    return new Bits() {
      @Override
      public boolean get(int doc) {
        return bits.get(doc)
            && (live == null || live.get(doc))
            && Arrays.binarySearch(excluded, doc) < 0;
      }

      @Override
      public int length() {
        return bits.length();
      }
    };
  }

  /**
   * This filter as a query, for {@code KnnFloatVectorQuery}'s filter: per segment, its bits minus the excluded documents
   * (the search applies deletes itself). Valid only with the searcher it was resolved with; never cached (it is
   * equal only to itself).
   */
  Query asQuery() {
    return new Query() {
      @Override
      public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        return new ConstantScoreWeight(this, boost) {
          @Override
          public ScorerSupplier scorerSupplier(LeafReaderContext leaf) {
            FixedBitSet bits = leaf.ord < perLeaf.length ? perLeaf[leaf.ord] : null;
            if (bits == null) {
              return null;
            }
            int[] excluded = excludedPerLeaf[leaf.ord];
            if (excluded.length > 0) {
              bits = bits.clone();
              for (int doc : excluded) {
                bits.clear(doc);
              }
            }
            BitSetIterator docs = new BitSetIterator(bits, bits.approximateCardinality());
            return new DefaultScorerSupplier(new ConstantScoreScorer(score(), scoreMode, docs));
          }

          @Override
          public boolean isCacheable(LeafReaderContext leaf) {
            return false;
          }
        };
      }

      @Override
      public String toString(String field) {
        return "ResolvedFilter";
      }

      @Override
      public void visit(QueryVisitor visitor) {
        visitor.visitLeaf(this);
      }

      @Override
      public boolean equals(Object other) {
        return this == other;
      }

      @Override
      public int hashCode() {
        return System.identityHashCode(this);
      }
    };
  }

  /**
   * {@code filter} minus the documents of {@code excluded} (null: none), per segment; the filter's bit sets come from
   * {@code cache} where it has them (null: evaluate, keep nothing).
   */
  static ResolvedFilter resolve(IndexSearcher searcher, Query filter, Query excluded, Cache cache)
      throws IOException {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    FixedBitSet[] perLeaf = new FixedBitSet[leaves.size()];
    int[][] excludedPerLeaf = new int[leaves.size()][];
    Weight filterWeight = null;
    Weight excludedWeight = excluded == null ? null : weight(searcher, excluded);
    for (LeafReaderContext leaf : leaves) {
      FixedBitSet bits = cache == null ? null : cache.get(leaf, filter);
      if (bits == null) {
        filterWeight = filterWeight != null ? filterWeight : weight(searcher, filter);
        bits = evaluate(filterWeight, leaf);
        if (cache != null) {
          cache.put(leaf, filter, bits);
        }
      }
      perLeaf[leaf.ord] = bits.length() == 0 ? null : bits;
      excludedPerLeaf[leaf.ord] = excludedWeight == null ? NONE : docs(excludedWeight, leaf);
    }
    return new ResolvedFilter(perLeaf, excludedPerLeaf);
  }

  private static Weight weight(IndexSearcher searcher, Query query) throws IOException {
    return searcher.createWeight(searcher.rewrite(query), ScoreMode.COMPLETE_NO_SCORES, 1f);
  }

  /** The documents {@code weight} matches in {@code leaf}, deleted ones included; an empty set when none. */
  private static FixedBitSet evaluate(Weight weight, LeafReaderContext leaf) throws IOException {
    Scorer scorer = weight.scorer(leaf);
    if (scorer == null) {
      return new FixedBitSet(0);
    }
    FixedBitSet bits = new FixedBitSet(leaf.reader().maxDoc());
    DocIdSetIterator docs = scorer.iterator();
    for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
      bits.set(doc);
    }
    return bits;
  }

  /** The documents {@code weight} matches in {@code leaf}, ascending (a handful: one image's block). */
  private static int[] docs(Weight weight, LeafReaderContext leaf) throws IOException {
    Scorer scorer = weight.scorer(leaf);
    if (scorer == null) {
      return NONE;
    }
    int[] found = new int[8];
    int count = 0;
    DocIdSetIterator docs = scorer.iterator();
    for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
      if (count == found.length) {
        found = Arrays.copyOf(found, count * 2);
      }
      found[count++] = doc;
    }
    return Arrays.copyOf(found, count);
  }

  /**
   * The bit sets of the filters searches used recently, per segment, dropped when the segment closes. A segment never
   * changes (deletes are applied at search time from its live documents), so a filter's bits stay valid as long as it
   * lives. Evaluating a scope over every keypoint document of an index (hundreds of thousands) for each search would
   * take most of a local search's time. Thread-safe.
   */
  static final class Cache {
    private final int filtersPerSegment;
    private final Map<IndexReader.CacheKey, Map<Query, FixedBitSet>> bySegment =
        new ConcurrentHashMap<>();

    Cache(int filtersPerSegment) {
      if (filtersPerSegment < 1) {
        throw new IllegalArgumentException(
            "filtersPerSegment must be >= 1, got " + filtersPerSegment);
      }
      this.filtersPerSegment = filtersPerSegment;
    }

    private FixedBitSet get(LeafReaderContext leaf, Query filter) {
      IndexReader.CacheHelper helper = leaf.reader().getCoreCacheHelper();
      Map<Query, FixedBitSet> filters = helper == null ? null : bySegment.get(helper.getKey());
      return filters == null ? null : filters.get(filter);
    }

    private void put(LeafReaderContext leaf, Query filter, FixedBitSet bits) {
      IndexReader.CacheHelper helper = leaf.reader().getCoreCacheHelper();
      if (helper == null) {
        return;
      }
      Map<Query, FixedBitSet> filters = bySegment.computeIfAbsent(helper.getKey(), key -> {
        helper.addClosedListener(bySegment::remove);
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Query, FixedBitSet> eldest) {
            return size() > filtersPerSegment;
          }
        });
      });
      filters.put(filter, bits);
    }
  }
}
