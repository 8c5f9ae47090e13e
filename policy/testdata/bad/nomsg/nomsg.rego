# An object result without msg: conftest stops with an error.
package main

deny contains {"message": "no msg key"} if true
