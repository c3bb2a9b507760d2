package io.doppel.matcher.index;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;

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
import org.apache.lucene.util.FixedBitSet;

/**
 * A filter evaluated once against one searcher's reader, as a bit set per segment. {@code
 * searchLocal} runs hundreds of kNN queries with the same scope filter; without this, each of them
 * evaluates the boolean filter over every keypoint document again. Valid only with the searcher it
 * was built from.
 */
final class ResolvedFilterQuery extends Query {

  private final FixedBitSet[] perLeaf;
  private final int[] cardinalities;

  private ResolvedFilterQuery(FixedBitSet[] perLeaf) {
    this.perLeaf = perLeaf;
    this.cardinalities = new int[perLeaf.length];
    for (int i = 0; i < perLeaf.length; i++) {
      cardinalities[i] = perLeaf[i] == null ? 0 : perLeaf[i].cardinality();
    }
  }

  /** Documents the filter admits, over all segments. */
  long cardinality() {
    long total = 0;
    for (int cardinality : cardinalities) {
      total += cardinality;
    }
    return total;
  }

  /** Whether the filter admits {@code doc}, a top-level (searcher-wide) document number. */
  boolean admits(IndexSearcher searcher, int doc) {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
    FixedBitSet bits = leaf.ord < perLeaf.length ? perLeaf[leaf.ord] : null;
    return bits != null && bits.get(doc - leaf.docBase);
  }

  static ResolvedFilterQuery resolve(IndexSearcher searcher, Query filter) throws IOException {
    Weight weight = searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    FixedBitSet[] perLeaf = new FixedBitSet[leaves.size()];
    for (LeafReaderContext leaf : leaves) {
      Scorer scorer = weight.scorer(leaf);
      if (scorer != null) {
        FixedBitSet bits = new FixedBitSet(leaf.reader().maxDoc());
        DocIdSetIterator docs = scorer.iterator();
        for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
          bits.set(doc);
        }
        perLeaf[leaf.ord] = bits;
      }
    }
    return new ResolvedFilterQuery(perLeaf);
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) {
        if (context.ord >= perLeaf.length || cardinalities[context.ord] == 0) {
          return null;
        }
        BitSetIterator docs = new BitSetIterator(perLeaf[context.ord], cardinalities[context.ord]);
        return new DefaultScorerSupplier(new ConstantScoreScorer(score(), scoreMode, docs));
      }

      @Override
      public boolean isCacheable(LeafReaderContext context) {
        return false;
      }
    };
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public String toString(String field) {
    return "ResolvedFilterQuery";
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
