"""The Python side of the authtoken comparison of keystone-go.

A trivial WSGI app behind keystonemiddleware's auth_token, as an OpenStack
service written in Python serves it (uWSGI, python3 plugin): the app answers
200 with the caller's X-User-Id / X-Project-Id that the middleware set. The
middleware is configured from the environment hack/keystonemiddleware-up.sh
sets (the service's own credentials are the OS_* variables, as for the Go
side):

    KSM_TOKEN_CACHE_TIME    seconds a validated token stays cached [300]
    KSM_MEMCACHED_SERVERS   host:port[,...]; empty = the in-process cache
    KSM_INCLUDE_CATALOG     true | false: validate with the service catalog
"""
import json
import os

from keystonemiddleware import auth_token


def app(environ, start_response):
    if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
        # delay_auth_decision is off, so the middleware never lets an
        # unconfirmed request through; this is the proof the app relies on it.
        start_response('401 Unauthorized', [('Content-Type', 'application/json')])
        return [b'{"error":"unauthenticated"}']
    body = json.dumps({
        'user_id': environ.get('HTTP_X_USER_ID'),
        'project_id': environ.get('HTTP_X_PROJECT_ID'),
    }).encode()
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(body)))])
    return [body]


def _conf():
    env = os.environ
    conf = {
        'www_authenticate_uri': env['OS_AUTH_URL'],
        'auth_type': 'password',
        'auth_url': env['OS_AUTH_URL'],
        'username': env['OS_USERNAME'],
        'password': env['OS_PASSWORD'],
        'project_name': env['OS_PROJECT_NAME'],
        'user_domain_id': env.get('OS_USER_DOMAIN_ID', 'default'),
        'project_domain_id': env.get('OS_PROJECT_DOMAIN_ID', 'default'),
        'token_cache_time': env.get('KSM_TOKEN_CACHE_TIME', '300'),
        'include_service_catalog': env.get('KSM_INCLUDE_CATALOG', 'true'),
        'delay_auth_decision': 'false',
        'log_name': 'authtoken',
    }
    if env.get('KSM_MEMCACHED_SERVERS'):
        conf['memcached_servers'] = env['KSM_MEMCACHED_SERVERS']
    return conf


application = auth_token.AuthProtocol(app, _conf())
