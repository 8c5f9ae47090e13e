package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkAccept measures intake alone (workers not started): parallel
// Accepts of distinct deliveries, which share commits.
func BenchmarkAccept(b *testing.B) {
	for _, d := range dbs {
		b.Run(d, func(b *testing.B) {
			bn := setup(b, d, &handler{}, nil)
			var n atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bn.q.Accept(context.Background(), event(fmt.Sprintf("b%d", n.Add(1))), []byte(`{}`)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
