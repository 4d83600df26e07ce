// name: schema/node_counts
// purpose: Number of nodes per label (labels with no nodes are left out).
// returns: label, nodes
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS nodes
ORDER BY label
