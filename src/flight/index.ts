export { createFlightHandler, type FlightDeps } from './flight-handler.js';
