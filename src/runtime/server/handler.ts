import { defineEventHandler } from 'h3'
import { useTableService } from './service-instance'

/** `<path>/:table` and `<path>/:table/:id`, registered by the module: the table protocol. */
export default defineEventHandler(event => useTableService().handle(event))
