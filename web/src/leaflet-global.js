// Leaflet.markercluster extends the global L: make it before importing it.
import L from 'leaflet';

window.L = L;
export default L;
