package authtoken_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/authtoken"
)

func TestConfigFromOptions(t *testing.T) {
	c, err := authtoken.ConfigFromOptions(map[string]string{
		"www_authenticate_uri":         "https://keystone.example/v3",
		"auth_type":                    "password",
		"auth_url":                     "https://keystone.example/v3",
		"username":                     "nova",
		"password":                     "secret",
		"user_domain_name":             "Default",
		"project_name":                 "service",
		"project_domain_name":          "Default",
		"memcached_servers":            "10.0.0.1:11211, 10.0.0.2:11211",
		"memcache_security_strategy":   "encrypt",
		"memcache_secret_key":          "k",
		"token_cache_time":             "600",
		"delay_auth_decision":          "True",
		"include_service_catalog":      "false",
		"service_token_roles":          "service,admin",
		"service_token_roles_required": "true",
		"service_type":                 "compute",
		"region_name":                  "RegionOne",
		"memcache_use_advanced_pool":   "true",
		"Memcache-Pool-Socket-Timeout": "5",
	})
	require.NoError(t, err)
	assert.Equal(t, "https://keystone.example/v3", c.WWWAuthenticateURI)
	assert.Equal(t, []string{"10.0.0.1:11211", "10.0.0.2:11211"}, c.MemcachedServers)
	assert.Equal(t, authtoken.StrategyEncrypt, c.MemcacheSecurityStrategy)
	assert.Equal(t, 600*time.Second, c.TokenCacheTime)
	assert.Equal(t, 5*time.Second, c.MemcachePoolSocketTimeout)
	assert.True(t, c.DelayAuthDecision)
	assert.False(t, c.IncludeServiceCatalog)
	assert.Equal(t, []string{"service", "admin"}, c.ServiceTokenRoles)
	assert.True(t, c.ServiceTokenRolesRequired)
	assert.Equal(t, "compute", c.ServiceType)
	assert.Equal(t, "password", c.AuthType)
	assert.Equal(t, "nova", c.AuthOptions["username"])
	require.Len(t, c.Warnings, 1)
	assert.Contains(t, c.Warnings[0], "memcache_use_advanced_pool")
	sess, err := c.Session()
	require.NoError(t, err)
	assert.NotNil(t, sess)

	// The deprecated names yield to the current ones, and stand in for them alone.
	old, err := authtoken.ConfigFromOptions(map[string]string{"auth_uri": "http://old/v3", "memcache_servers": "a:1",
		"memcache_pool_dead_retry": "30", "token_cache_time": "0", "enforce_token_bind": "Disabled"})
	require.NoError(t, err)
	assert.Equal(t, "http://old/v3", old.WWWAuthenticateURI)
	assert.Equal(t, []string{"a:1"}, old.MemcachedServers)
	assert.Equal(t, 30*time.Second, old.MemcachePoolDeadRetry)
	assert.Negative(t, old.TokenCacheTime, "0 disables the cache")
	assert.Equal(t, "disabled", old.EnforceTokenBind)
	both, err := authtoken.ConfigFromOptions(map[string]string{"auth_uri": "http://old/v3", "www_authenticate_uri": "http://new/v3",
		"memcache_servers": "a:1", "memcached_servers": "b:2"})
	require.NoError(t, err)
	assert.Equal(t, "http://new/v3", both.WWWAuthenticateURI)
	assert.Equal(t, []string{"b:2"}, both.MemcachedServers)

	d, err := authtoken.ConfigFromOptions(map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, authtoken.DefaultConfig().TokenCacheTime, d.TokenCacheTime)
	assert.True(t, d.IncludeServiceCatalog)
	assert.Equal(t, []string{"service"}, d.ServiceTokenRoles)
}

func TestConfigFromOptionsRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		opts  map[string]string
		names string
	}{
		"unknown key":        {map[string]string{"auth_type": "password", "auth_url": "http://k/v3", "username": "u", "password": "p", "tokn_cache_time": "1"}, "tokn_cache_time"},
		"unknown, no plugin": {map[string]string{"tokn_cache_time": "1"}, "tokn_cache_time"},
		"legacy credentials": {map[string]string{"admin_user": "nova"}, "admin_user"},
		"bad boolean":        {map[string]string{"delay_auth_decision": "maybe"}, "delay_auth_decision"},
		"bad number":         {map[string]string{"token_cache_time": "5m"}, "token_cache_time"},
		"bad strategy":       {map[string]string{"memcache_security_strategy": "AES"}, "memcache_security_strategy"},
		"strategy, no key":   {map[string]string{"memcache_security_strategy": "MAC"}, "memcache_secret_key"},
		"strict bind":        {map[string]string{"enforce_token_bind": "strict"}, "enforce_token_bind"},
		"v2":                 {map[string]string{"auth_version": "v2.0"}, "auth_version"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := authtoken.ConfigFromOptions(tc.opts)
			require.ErrorIs(t, err, apierror.ErrInvalidConfig)
			assert.Contains(t, err.Error(), tc.names)
		})
	}
}
