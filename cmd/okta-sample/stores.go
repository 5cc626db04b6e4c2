package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/session"
)

// stores is where the app keeps what a login leaves behind: the sessions
// and the spent login states. Both live in this process, or both in the
// Redis that every replica shares (cfg.RedisURL); never one of each, or a
// callback spent on one replica could be replayed on another.
type stores struct {
	sessions session.Store
	// spent is nil in memory: auth keeps its own bounded set.
	spent auth.SpentStates
	// health checks the shared store for /healthz; nil in memory.
	health func(context.Context) error
	// count is how many sessions there are, for the debug server.
	count func(context.Context) (int, error)
	// close releases the Redis connections; nil in memory.
	close func() error
}

// storePingTimeout bounds the check of Redis at start.
const storePingTimeout = time.Second

// newStores makes the stores cfg asks for. A Redis that does not answer
// yet is not an error: the app starts, /healthz and the pages that need a
// session answer 503, and everything works once Redis answers, without a
// restart. The log names Redis's address, never its password.
func newStores(ctx context.Context, cfg config.Config, log *slog.Logger) (stores, error) {
	if cfg.RedisURL == "" {
		mem := session.NewMemoryStore(session.MemoryOptions{})
		log.Info("session store: memory (this process only)", "max_sessions", session.DefaultMaxSessions)
		return stores{
			sessions: mem,
			count:    func(context.Context) (int, error) { return mem.Len(), nil },
		}, nil
	}
	client, err := session.NewRedisClient(cfg.RedisURL)
	if err != nil {
		return stores{}, configError{fmt.Errorf("OKTA_SAMPLE_REDIS_URL: %w", err)}
	}
	st, err := session.NewRedisStore(session.RedisOptions{Client: client})
	if err != nil {
		return stores{}, err
	}
	spent, err := session.NewRedisSpentStates(client, "")
	if err != nil {
		return stores{}, err
	}
	opts := client.Options()
	where := []any{"addr", opts.Addr, "db", strconv.Itoa(opts.DB), "tls", opts.TLSConfig != nil, "prefix", session.DefaultRedisPrefix}
	if err := session.PingRedis(ctx, client, storePingTimeout); err != nil {
		log.Warn("session store: Redis does not answer yet; /healthz and the pages that need a session answer 503 until it does",
			append(where, "err", err)...)
	} else {
		log.Info("session store: Redis, shared by every replica", where...)
	}
	return stores{
		sessions: st,
		spent:    spent,
		health:   func(ctx context.Context) error { return client.Ping(ctx).Err() },
		count:    st.Count,
		close:    client.Close,
	}, nil
}
